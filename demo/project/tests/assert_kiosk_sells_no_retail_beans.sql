-- FAILS ON PURPOSE, for the demo: the Station Kiosk has no shelf for retail
-- beans, yet its till recorded some. Find it in the Test Results view (and in
-- Problems, on this file); "Show Failing Rows" lists the order lines.
select
    i.order_item_id,
    o.order_id,
    o.ordered_at,
    p.product_name
from {{ ref('stg_order_items') }} as i
join {{ ref('orders') }} as o using (order_id)
join {{ ref('stg_products') }} as p using (product_id)
join {{ ref('stg_stores') }} as s on s.store_id = o.store_id
where s.store_name = 'Station Kiosk' and p.category = 'retail'

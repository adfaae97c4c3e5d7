select
    p.product_name,
    p.category,
    sum(i.quantity) as units_sold,
    sum(i.quantity * p.price) as gross_sales
from {{ ref('stg_order_items') }} as i
join {{ ref('stg_products') }} as p using (product_id)
join {{ ref('orders') }} as o using (order_id)
where o.status = 'completed'
group by 1, 2
order by gross_sales desc

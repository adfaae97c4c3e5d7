-- One row per order with its total; cancelled orders count as zero revenue.
with items as (
    select
        i.order_id,
        sum(i.quantity) as item_count,
        sum(i.quantity * p.price) as gross_amount
    from {{ ref('stg_order_items') }} as i
    join {{ ref('stg_products') }} as p using (product_id)
    group by i.order_id
)

select
    o.order_id,
    o.customer_id,
    o.store_id,
    o.ordered_at,
    o.ordered_on,
    o.status,
    items.item_count,
    items.gross_amount,
    case when o.status = 'completed' then items.gross_amount else 0 end as revenue
from {{ ref('stg_orders') }} as o
join items using (order_id)

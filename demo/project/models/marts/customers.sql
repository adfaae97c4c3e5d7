select
    c.customer_id,
    c.full_name,
    c.signed_up_on,
    min(o.ordered_on) as first_order_on,
    max(o.ordered_on) as last_order_on,
    count(o.order_id) as order_count,
    coalesce(sum(o.revenue), 0) as lifetime_value
from {{ ref('stg_customers') }} as c
left join {{ ref('orders') }} as o using (customer_id)
group by 1, 2, 3

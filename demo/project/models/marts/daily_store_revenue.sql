select
    s.store_name,
    s.city,
    o.ordered_on,
    count(*) as orders,
    sum(o.revenue) as revenue
from {{ ref('orders') }} as o
join {{ ref('stg_stores') }} as s using (store_id)
group by 1, 2, 3
order by o.ordered_on, s.store_name

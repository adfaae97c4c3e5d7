-- Every order has at least one item and a positive gross amount.
select order_id, gross_amount
from {{ ref('orders') }}
where item_count < 1 or gross_amount <= 0

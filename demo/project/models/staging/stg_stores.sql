select
    id as store_id,
    name as store_name,
    city,
    opened_on
from {{ ref('raw_stores') }}

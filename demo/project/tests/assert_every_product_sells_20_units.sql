-- FAILS ON PURPOSE, for the demo: every product on the shelf should sell at
-- least 20 units in the half year, and one does not. Find it in the Test
-- Results view (and in Problems, on this file); "Show Failing Rows" names it.
-- It tests product_sales only, which nothing depends on: the failure blocks
-- no other model in `dbt build`.
select product_name, category, units_sold
from {{ ref('product_sales') }}
where units_sold < 20

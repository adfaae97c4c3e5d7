"""Writes the demo project's seed CSVs (deterministic; re-run to regenerate).

A small coffee-roaster chain: stores, products, customers, orders, order
items. Sizes are modest so `dbt build` takes seconds on DuckDB.
"""
import csv
import datetime as dt
import random
from pathlib import Path

SEEDS = Path(__file__).parent / "project" / "seeds"
rng = random.Random(20240601)

stores = [
    (1, "Harbour Street", "Bristol", "2021-03-01"),
    (2, "Old Market", "Bath", "2021-09-15"),
    (3, "Canal Side", "Bristol", "2022-05-20"),
    (4, "Station Kiosk", "Cardiff", "2023-02-01"),
]
products = [
    (1, "Espresso", "coffee", 250),
    (2, "Flat White", "coffee", 340),
    (3, "Cappuccino", "coffee", 330),
    (4, "Filter Coffee", "coffee", 280),
    (5, "Oat Latte", "coffee", 370),
    (6, "Chai Latte", "tea", 350),
    (7, "Breakfast Tea", "tea", 220),
    (8, "Almond Croissant", "bakery", 310),
    (9, "Cinnamon Bun", "bakery", 295),
    (10, "Banana Bread", "bakery", 275),
    (11, "House Blend Beans 250g", "retail", 950),
    (12, "Single Origin Beans 250g", "retail", 1250),
]
first = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Harry", "Isla", "Jack",
         "Kate", "Leo", "Mia", "Noah", "Olive", "Priya", "Quinn", "Ruby", "Sam", "Tom"]
last = ["Adams", "Brown", "Clarke", "Davies", "Evans", "Fisher", "Green", "Hughes",
        "Jones", "King", "Lewis", "Morgan", "Patel", "Roberts", "Smith", "Taylor"]

start = dt.date(2024, 1, 1)
customers = []
for cid in range(1, 81):
    signup = start + dt.timedelta(days=rng.randrange(0, 120))
    customers.append((cid, rng.choice(first), rng.choice(last), signup.isoformat()))

orders, items = [], []
item_id = 0
for oid in range(1, 501):
    cust = rng.choice(customers)
    signup = dt.date.fromisoformat(cust[3])
    day = signup + dt.timedelta(days=rng.randrange(0, 60))
    ts = dt.datetime.combine(day, dt.time(rng.randrange(7, 18), rng.randrange(0, 60)))
    status = rng.choices(["completed", "refunded", "cancelled"], weights=[92, 5, 3])[0]
    orders.append((oid, cust[0], rng.choice(stores)[0], ts.isoformat(sep=" "), status))
    for _ in range(rng.choices([1, 2, 3, 4], weights=[45, 35, 15, 5])[0]):
        item_id += 1
        product = rng.choices(products, weights=[8, 14, 10, 6, 12, 5, 4, 6, 5, 4, 2, 1])[0]
        items.append((item_id, oid, product[0], rng.choices([1, 2, 3], weights=[85, 12, 3])[0]))


def write(name, header, rows):
    with open(SEEDS / f"{name}.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


write("raw_stores", ["id", "name", "city", "opened_on"], stores)
write("raw_products", ["id", "name", "category", "price_cents"], products)
write("raw_customers", ["id", "first_name", "last_name", "signed_up_on"], customers)
write("raw_orders", ["id", "customer_id", "store_id", "ordered_at", "status"], orders)
write("raw_order_items", ["id", "order_id", "product_id", "quantity"], items)
print(f"{len(customers)} customers, {len(orders)} orders, {len(items)} order items")

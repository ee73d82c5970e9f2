"""``build_demo_database``: a believable small office-furniture company, the same rows on every build.

Contacts and companies (customers, vendors and their people), countries, product categories and
products, CRM stages and leads, quotations and sales orders with lines, the invoices of confirmed
orders, departments and employees: a few thousand rows in Odoo's own table names, every date within
the two years before ``anchor``, so "top 5 customers by revenue this year" has a real answer.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bastion.sources.demo import names
from bastion.sources.demo import tables as t

SEED = 8  # one seed: the same company on every machine
TAX_RATE = 0.15
ORDERS = 700
LEADS = 180
Row = dict[str, Any]


def build_demo_database(path: Path | str, anchor: dt.date) -> None:
    """Write the demo company to a new SQLite file at ``path``; dates run up to ``anchor`` (e.g. today).

    The file is built beside ``path`` and moved into place whole, so an interrupted build leaves nothing.
    """
    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} already exists: the demo database is only built into a new file.")
    partial = target.with_name(target.name + ".building")
    partial.unlink(missing_ok=True)
    engine = sa.create_engine(f"sqlite:///{partial}")
    try:
        with engine.begin() as connection:
            t.metadata.create_all(connection)
            for table, rows in demo_rows(anchor).items():
                if rows:
                    connection.execute(table.insert(), rows)
    finally:
        engine.dispose()
    os.replace(partial, target)


def demo_rows(anchor: dt.date) -> dict[sa.Table, list[Row]]:
    """Every table's rows, in an order that satisfies the foreign keys."""
    rng = random.Random(SEED)  # noqa: S311  # reproducible demo data, nothing secret
    start = dt.datetime.combine(anchor, dt.time(18, 0)) - dt.timedelta(days=730)
    rows: dict[sa.Table, list[Row]] = {}
    rows[t.res_country] = [
        {"id": i, "name": name, "code": code, "phone_code": phone}
        for i, (name, code, phone) in enumerate(names.COUNTRIES, 1)
    ]
    rows[t.res_users] = _users()
    rows[t.res_partner] = _partners(rng, start)
    rows[t.product_category] = _categories()
    rows[t.product_product] = _products(rows[t.product_category])
    rows[t.crm_stage] = [
        {"id": i, "name": name, "sequence": sequence, "is_won": won}
        for i, (name, sequence, won) in enumerate(names.STAGES, 1)
    ]
    rows[t.hr_department] = [{"id": i, "name": name} for i, name in enumerate(names.DEPARTMENTS, 1)]
    rows[t.hr_employee] = _employees(rng, anchor)
    customers = [p for p in rows[t.res_partner] if p["customer_rank"] and p["parent_id"] is None]
    rows[t.crm_lead] = _leads(rng, anchor, customers, rows[t.res_partner])
    orders, lines = _orders(rng, anchor, customers, rows[t.product_product])
    rows[t.account_move] = _invoices(rng, anchor, orders)
    rows[t.sale_order], rows[t.sale_order_line] = orders, lines
    return rows


def _users() -> list[Row]:
    people = ["Mitchell Admin", "Marc Demo", "Joel Willis", "Audrey Peterson", "Beth Evans", "Randall Lewis"]
    return [
        {"id": i, "name": name, "login": name.split()[0].lower(), "active": True} for i, name in enumerate(people, 1)
    ]


def _partners(rng: random.Random, start: dt.datetime) -> list[Row]:
    companies = ["Azure Interior", "Deco Addict", "Gemini Furniture", "Lumber Inc", "Ready Mat", "Wood Corner"]
    pairs = [f"{word} {kind}" for word in names.COMPANY_WORDS for kind in names.COMPANY_KINDS]
    rng.shuffle(pairs)
    companies += [pair for pair in pairs if pair not in companies][: 76 - len(companies)]
    weights = [0.22, 0.16, 0.14, 0.1, 0.06, 0.05, 0.04, 0.04, 0.03, 0.03, 0.03, 0.03]  # mostly Benelux and neighbours
    partners: list[Row] = []

    def add(name: str, **values: Any) -> Row:
        country = values.pop("country", None) or rng.choices(range(1, 13), weights)[0]
        code = names.COUNTRIES[country - 1][1]
        partner = {
            "id": len(partners) + 1, "name": name, "is_company": False, "parent_id": None, "function": None,
            "email": None, "phone": f"+{names.COUNTRIES[country - 1][2]} {rng.randint(100, 999)} {rng.randint(10, 99)} "
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}", "street": f"{rng.randint(1, 250)} {rng.choice(_STREETS)}",
            "city": rng.choice(names.CITIES[code]), "zip": str(rng.randint(1000, 99999)), "country_id": country,
            "user_id": rng.randint(2, 6), "customer_rank": 0, "supplier_rank": 0, "active": True,
            "create_date": start + dt.timedelta(days=rng.randint(0, 200), minutes=rng.randint(0, 600)),
        }  # fmt: skip
        partner.update(values)
        partners.append(partner)
        return partner

    for index, name in enumerate(companies):
        vendor = index >= 60
        domain = name.lower().replace(" ", "") + ".example"
        company = add(name, is_company=True, email=f"info@{domain}", customer_rank=0 if vendor else 1,
                      supplier_rank=1 if vendor else 0)  # fmt: skip
        for _ in range(rng.choice([1, 1, 2, 2, 3])):
            first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
            add(f"{first} {last}", parent_id=company["id"], country=company["country_id"],
                function=rng.choice(names.FUNCTIONS), email=f"{first.lower()}.{_ascii(last)}@{domain}",
                city=company["city"], street=company["street"], zip=company["zip"], user_id=company["user_id"],
                customer_rank=company["customer_rank"], supplier_rank=company["supplier_rank"])  # fmt: skip
    for _ in range(24):  # private customers
        first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
        add(f"{first} {last}", email=f"{first.lower()}.{_ascii(last)}@mail.example", customer_rank=1,
            active=rng.random() > 0.05)  # fmt: skip
    return partners


_STREETS = ["Main Street", "Rue de la Loi", "Avenue Louise", "Kerkstraat", "Hauptstraße", "Market Square", "Park Lane"]


def _ascii(text: str) -> str:
    return text.lower().replace(" ", "").replace("ü", "ue").replace("í", "i").replace("ó", "o")


def _categories() -> list[Row]:
    ids = {name: i for i, (name, _) in enumerate(names.CATEGORIES, 1)}
    rows: list[Row] = []
    for name, parent in names.CATEGORIES:
        complete = (
            name if parent is None else f"{next(r['complete_name'] for r in rows if r['name'] == parent)} / {name}"
        )
        rows.append({"id": ids[name], "name": name, "parent_id": ids.get(parent or ""), "complete_name": complete})
    return rows


def _products(categories: list[Row]) -> list[Row]:
    category = {row["name"]: row["id"] for row in categories}
    return [
        {"id": i, "name": name, "default_code": f"{'SERV' if kind == 'service' else 'FURN'}_{i:04d}",
         "categ_id": category[parent], "type": kind, "list_price": price, "standard_price": cost, "sale_ok": True,
         "purchase_ok": kind == "consu", "active": True}
        for i, (name, parent, price, cost, kind) in enumerate(names.PRODUCTS, 1)
    ]  # fmt: skip


def _employees(rng: random.Random, anchor: dt.date) -> list[Row]:
    employees: list[Row] = []
    users = iter(_users())
    for department_id, department in enumerate(names.DEPARTMENTS, 1):
        head = None
        for n in range({"Sales": 8, "Logistics": 7, "Administration": 5}.get(department, 3)):
            first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
            jobs = names.JOBS[department]
            user = next(users, None) if department in ("Management", "Sales") else None
            name = user["name"] if user else f"{first} {last}"
            employee = {
                "id": len(employees) + 1, "name": name,
                "job_title": jobs[0] if n == 0 else rng.choice(jobs[1:] or jobs),
                "department_id": department_id, "parent_id": head or (1 if employees else None),
                "user_id": user["id"] if user else None,
                "work_email": f"{_ascii(name.replace(' ', '.'))}@bastion-demo.example",
                "work_phone": f"+32 2 555 {rng.randint(10, 99)} {rng.randint(10, 99)}",
                "first_contract_date": anchor - dt.timedelta(days=rng.randint(60, 3000)), "active": True,
            }  # fmt: skip
            employees.append(employee)
            head = head or employee["id"]
    return employees


def _leads(rng: random.Random, anchor: dt.date, customers: list[Row], partners: list[Row]) -> list[Row]:
    contacts = defaultdict(list)
    for partner in partners:
        if partner["parent_id"]:
            contacts[partner["parent_id"]].append(partner)
    leads = []
    for i in range(1, LEADS + 1):
        created = dt.datetime.combine(anchor, dt.time(9)) - dt.timedelta(
            days=rng.randint(0, 365), minutes=rng.randint(0, 480)
        )
        stage = rng.choices([1, 2, 3, 4], [0.3, 0.25, 0.2, 0.25])[0]
        lost = stage != 4 and rng.random() < 0.15
        company = rng.choice(customers) if rng.random() < 0.65 else None
        person = rng.choice(contacts[company["id"]]) if company and contacts[company["id"]] else None
        topic = rng.choice(names.LEAD_TOPICS)
        leads.append({
            "id": i, "name": f"{company['name'] if company else rng.choice(names.LAST_NAMES)}: {topic}",
            "type": "opportunity" if stage > 1 or company else "lead", "partner_id": company["id"] if company else None,
            "contact_name": person["name"] if person else None, "email_from": person["email"] if person else None,
            "stage_id": stage, "user_id": rng.randint(2, 6),
            "expected_revenue": float(rng.randint(2, 120) * 500), "probability": 0.0 if lost else
            {1: 10.0, 2: 30.0, 3: 60.0, 4: 100.0}[stage], "priority": rng.choice("0001123"),
            "date_deadline": (created + dt.timedelta(days=rng.randint(20, 120))).date(),
            "date_closed": created + dt.timedelta(days=rng.randint(5, 60)) if stage == 4 else None,
            "active": not lost, "create_date": created,
        })  # fmt: skip
    return leads


def _orders(
    rng: random.Random, anchor: dt.date, customers: list[Row], products: list[Row]
) -> tuple[list[Row], list[Row]]:
    # A few large accounts and a long tail, as in most small businesses.
    weights = [1 / (rank + 1) ** 0.9 for rank in range(len(customers))]
    end = dt.datetime.combine(anchor, dt.time(18, 0))
    dates = sorted(end - dt.timedelta(days=rng.uniform(0, 729), hours=rng.uniform(0, 9)) for _ in range(ORDERS))
    orders: list[Row] = []
    lines: list[Row] = []
    for i, when in enumerate(dates, 1):
        customer = rng.choices(customers, weights)[0]
        age = (end - when).days
        states = ("sale", "cancel", "sent", "draft")
        state = rng.choices(states, [0.74, 0.09, 0.08, 0.09] if age > 30 else [0.35, 0.05, 0.3, 0.3])[0]
        untaxed = tax = 0.0
        for product in rng.sample(products, rng.choice([1, 2, 2, 3, 3, 4, 5])):
            quantity = float(
                rng.randint(1, 4) if product["type"] == "service" else rng.choice([1, 1, 2, 3, 4, 6, 10, 12])
            )
            discount = rng.choices([0.0, 5.0, 10.0, 15.0], [0.75, 0.1, 0.1, 0.05])[0]
            subtotal = round(quantity * product["list_price"] * (1 - discount / 100), 2)
            line_tax = round(subtotal * TAX_RATE, 2)
            untaxed, tax = untaxed + subtotal, tax + line_tax
            lines.append({
                "id": len(lines) + 1, "order_id": i, "product_id": product["id"], "name": product["name"],
                "product_uom_qty": quantity, "price_unit": product["list_price"], "discount": discount,
                "price_subtotal": subtotal, "price_tax": line_tax, "price_total": round(subtotal + line_tax, 2),
            })  # fmt: skip
        orders.append({
            "id": i, "name": f"S{i:05d}", "partner_id": customer["id"], "user_id": customer["user_id"], "state": state,
            "date_order": when.replace(microsecond=0), "validity_date": (when + dt.timedelta(days=30)).date(),
            "client_order_ref": f"PO-{rng.randint(1000, 9999)}" if rng.random() < 0.3 else None,
            "invoice_status": "to invoice" if state == "sale" else "no", "amount_untaxed": round(untaxed, 2),
            "amount_tax": round(tax, 2), "amount_total": round(untaxed + tax, 2),
        })  # fmt: skip
    return orders, lines


def _invoices(rng: random.Random, anchor: dt.date, orders: list[Row]) -> list[Row]:
    """One invoice per confirmed order dated on or before ``anchor``; older ones mostly paid."""
    invoices: list[Row] = []
    numbers: dict[int, int] = defaultdict(int)
    for order in orders:
        if order["state"] != "sale":
            continue
        day = order["date_order"].date() + dt.timedelta(days=rng.randint(0, 14))
        if day > anchor:
            continue
        order["invoice_status"] = "invoiced"
        numbers[day.year] += 1
        due = day + dt.timedelta(days=30)
        posted = (anchor - day).days > 3 or rng.random() < 0.5
        if due < anchor - dt.timedelta(days=10):
            payment = rng.choices(["paid", "partial", "not_paid"], [0.9, 0.04, 0.06])[0]
        else:
            payment = rng.choices(["paid", "not_paid"], [0.3, 0.7])[0]
        payment = payment if posted else "not_paid"
        total = order["amount_total"]
        residual = {"paid": 0.0, "partial": round(total / 2, 2), "not_paid": total}[payment]
        invoices.append({
            "id": len(invoices) + 1, "name": f"INV/{day.year}/{numbers[day.year]:05d}" if posted else "/",
            "move_type": "out_invoice", "partner_id": order["partner_id"], "invoice_user_id": order["user_id"],
            "invoice_origin": order["name"], "invoice_date": day, "invoice_date_due": due,
            "state": "posted" if posted else "draft", "payment_state": payment,
            "amount_untaxed": order["amount_untaxed"], "amount_tax": order["amount_tax"], "amount_total": total,
            "amount_residual": residual,
        })  # fmt: skip
    return invoices

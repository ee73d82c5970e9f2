"""The words the demo company is made of: its customers, people, products and countries."""

from __future__ import annotations

COUNTRIES = [
    ("Belgium", "BE", 32), ("France", "FR", 33), ("Germany", "DE", 49), ("Netherlands", "NL", 31),
    ("Luxembourg", "LU", 352), ("Spain", "ES", 34), ("Italy", "IT", 39), ("United Kingdom", "GB", 44),
    ("United States", "US", 1), ("Canada", "CA", 1), ("Switzerland", "CH", 41), ("Denmark", "DK", 45),
]  # fmt: skip
CITIES = {
    "BE": ["Brussels", "Antwerp", "Ghent", "Liège", "Namur"], "FR": ["Paris", "Lyon", "Lille", "Nantes"],
    "DE": ["Berlin", "Munich", "Hamburg", "Cologne"], "NL": ["Amsterdam", "Rotterdam", "Utrecht"],
    "LU": ["Luxembourg"], "ES": ["Madrid", "Barcelona", "Valencia"], "IT": ["Milan", "Rome", "Turin"],
    "GB": ["London", "Manchester", "Bristol"], "US": ["New York", "Chicago", "Austin", "Denver"],
    "CA": ["Toronto", "Montreal"], "CH": ["Geneva", "Zurich"], "DK": ["Copenhagen", "Aarhus"],
}  # fmt: skip
COMPANY_WORDS = [
    "Azure", "Deco", "Gemini", "Lumber", "Ready", "Wood", "Oak", "Maple", "Nordic", "Atlas", "Summit", "Harbor",
    "Crystal", "Urban", "Vertex", "Pioneer", "Evergreen", "Silver", "Golden", "Bright", "Blue", "Stone", "Iron",
    "Cedar", "Willow", "Falcon", "Orion", "Polar", "Sunrise", "Meadow",
]  # fmt: skip
COMPANY_KINDS = [
    "Interior", "Addict", "Furniture", "Inc", "Mat", "Corner", "Design", "Office Supplies", "Workspace", "Studio",
    "Trading", "Solutions", "Living", "Group", "Retail", "Homes", "Partners", "Outfitters",
]  # fmt: skip
FIRST_NAMES = [
    "Brandon", "Colleen", "Nicole", "Douglas", "Edith", "Floyd", "Gloria", "Henry", "Iris", "Jeff", "Kim", "Lucas",
    "Marie", "Nathan", "Olivia", "Paul", "Quinn", "Rachel", "Sofia", "Thomas", "Ursula", "Victor", "Wendy",
    "Xavier", "Yara", "Zoe", "Amir", "Bea", "Chen", "Dario", "Elif", "Femke", "Goran", "Hana", "Ines", "Jonas",
]  # fmt: skip
LAST_NAMES = [
    "Freeman", "Diaz", "Ford", "Sanchez", "Williams", "Johnson", "Martin", "Dubois", "Peeters", "Janssens",
    "Müller", "Schmidt", "de Vries", "Rossi", "García", "Smith", "Brown", "Nielsen", "Lambert", "Moreau",
    "Fischer", "Bakker", "Ricci", "López", "Taylor", "Wilson", "Claes", "Maes",
]  # fmt: skip
FUNCTIONS = ["Purchasing Manager", "CEO", "Office Manager", "Accountant", "Buyer", "Facility Manager", "CFO"]
CATEGORIES = [
    ("All", None), ("Saleable", "All"), ("Office Furniture", "Saleable"), ("Desks", "Office Furniture"),
    ("Chairs", "Office Furniture"), ("Storage", "Office Furniture"), ("Accessories", "Saleable"),
    ("Services", "All"),
]  # fmt: skip
PRODUCTS = [  # name, category, list price, cost, type
    ("Large Desk", "Desks", 1799.0, 1100.0, "consu"),
    ("Standing Desk", "Desks", 1249.0, 780.0, "consu"),
    ("Corner Desk Left Sit", "Desks", 899.0, 560.0, "consu"),
    ("Corner Desk Right Sit", "Desks", 899.0, 560.0, "consu"),
    ("Customizable Desk", "Desks", 750.0, 480.0, "consu"),
    ("Small Desk", "Desks", 449.0, 280.0, "consu"),
    ("Office Chair", "Chairs", 289.0, 170.0, "consu"),
    ("Office Chair Black", "Chairs", 319.0, 190.0, "consu"),
    ("Conference Chair", "Chairs", 199.0, 110.0, "consu"),
    ("Ergonomic Chair", "Chairs", 549.0, 320.0, "consu"),
    ("Stool", "Chairs", 79.0, 40.0, "consu"),
    ("Cabinet with Doors", "Storage", 390.0, 240.0, "consu"),
    ("Drawer Black", "Storage", 125.0, 70.0, "consu"),
    ("Storage Box", "Storage", 25.0, 12.0, "consu"),
    ("Large Cabinet", "Storage", 620.0, 380.0, "consu"),
    ("Shelf", "Storage", 145.0, 85.0, "consu"),
    ("Desk Lamp", "Accessories", 59.0, 28.0, "consu"),
    ("Monitor Stand", "Accessories", 89.0, 45.0, "consu"),
    ("Whiteboard", "Accessories", 129.0, 70.0, "consu"),
    ("Acoustic Bloc Screens", "Accessories", 295.0, 160.0, "consu"),
    ("Pedal Bin", "Accessories", 47.0, 20.0, "consu"),
    ("Cable Management Box", "Accessories", 35.0, 15.0, "consu"),
    ("Desk Organizer", "Accessories", 29.0, 12.0, "consu"),
    ("Three-Seat Sofa", "Office Furniture", 1500.0, 950.0, "consu"),
    ("Meeting Table", "Office Furniture", 1150.0, 700.0, "consu"),
    ("Office Design Software", "Services", 280.0, 0.0, "service"),
    ("Furniture Assembly", "Services", 85.0, 40.0, "service"),
    ("Delivery and Installation", "Services", 150.0, 70.0, "service"),
    ("Interior Design Consultation", "Services", 450.0, 200.0, "service"),
    ("Extended Warranty (3 years)", "Services", 120.0, 10.0, "service"),
]
STAGES = [("New", 1, False), ("Qualified", 2, False), ("Proposition", 3, False), ("Won", 70, True)]
LEAD_TOPICS = [
    "office refurbishment", "new headquarters", "50 ergonomic chairs", "meeting rooms", "open space redesign",
    "standing desks for the team", "storage for archives", "reception area", "home office kits", "canteen furniture",
]  # fmt: skip
DEPARTMENTS = ["Management", "Sales", "Administration", "Logistics", "Research & Development"]
JOBS = {
    "Management": ["Chief Executive Officer", "Chief Operating Officer"],
    "Sales": ["Sales Manager", "Account Manager", "Sales Representative"],
    "Administration": ["Accountant", "HR Officer", "Office Administrator"],
    "Logistics": ["Warehouse Manager", "Delivery Driver", "Installer"],
    "Research & Development": ["Product Designer", "Engineer"],
}  # fmt: skip

"""Corner Cafe, the second demo store: a small London cafe, so another tenant's data is visibly different."""
from __future__ import annotations

DEPARTMENTS = [
    ("Coffee Bar", "201", "", "Coffee, tea and cold drinks", "barista|coffee bar|drinks order"),
    ("Kitchen", "202", "", "Breakfast, lunch and allergy questions", "kitchen|chef|allergies|gluten free|food order"),
    ("Catering", "203", "+442079460322", "Office and party catering", "catering|party order|event|large order"),
]

# department -> [(location, [(name pattern, price, options "a|b", aliases "x|y")])]: see build_items.
PRODUCTS = {
    "Coffee Bar": [("the counter", [
        ("{} (regular)", 2.80, "Flat White|Cappuccino|Latte|Americano|Mocha", "coffee"),
        ("{} (large)", 3.40, "Flat White|Cappuccino|Latte|Americano|Mocha", "coffee"),
        ("Double Espresso", 2.20, "", "espresso|coffee"),
        ("Café au lait", 2.90, "", "cafe au lait|coffee with milk"),
        ("Iced {}", 3.50, "Latte|Americano|Tea", "cold drink"),
        ("English Breakfast Tea", 2.20, "", "tea|cuppa"),
        ("Coffee Beans House Blend (250 g)", 8.50, "", "coffee beans"),
    ])],
    "Kitchen": [("the pastry case", [
        ("{}", 2.60, "Butter Croissant|Pain au chocolat|Almond Croissant|Cinnamon Bun|Fruit Scone", "pastry"),
        ("{} Cake (slice)", 3.80, "Victoria Sponge|Carrot|Lemon Drizzle", "cake"),
    ]), ("the kitchen", [
        ("{} Sandwich", 5.50, "Ham and Cheese|Egg Mayo|Brie and Grape|BLT", "sandwich|toastie"),
        ("Soup of the Day", 4.90, "", "soup"),
        ("Avocado Toast", 6.50, "", ""),
        ("Full English Breakfast", 9.50, "", "fry up|breakfast"),
        ("Bacon Roll", 4.20, "", "bacon butty|bacon sandwich"),
    ])],
}

PINNED_STOCK: dict[str, int] = {}

EMAIL_DOMAIN = "cornercafe.example"

HOLIDAYS = {(12, 25): None, (12, 26): None, (1, 1): {"open": "10:00", "close": "15:00"}}

INFO = {
    "address": "14 Canal Row, London N1 7GU",
    "phone": "020 7946 0321",
    "hours": "7 AM to 6 PM on weekdays, 8 AM to 5 PM on Saturday, 9 AM to 3 PM on Sunday",
    "opening_hours": {
        **{day: {"open": "07:00", "close": "18:00"} for day in ("monday", "tuesday", "wednesday", "thursday", "friday")},
        "saturday": {"open": "08:00", "close": "17:00"},
        "sunday": {"open": "09:00", "close": "15:00"},
    },
    "greeting_message": "Hello, Corner Cafe! What can we get for you?",
    "hold_message": "One moment please, putting you through.",
    "transfer_number": "+442079460321",
}

COUPONS = [
    ("LOYALTY10", "10% off for loyalty card holders", "percentage", 10, None, None, True, True, None),
    ("MORNING1", "£1 off any coffee before 9 AM", "fixed", 1, "Coffee Bar", None, False, True, 30),
]

STAFF = [
    ("Oliver Bennett", "Owner", "Kitchen", "oliver", "+442079460330"),
    ("Chloe Evans", "Head Barista", "Coffee Bar", "chloe", "+442079460331"),
]

TEMPLATES = [
    ("greeting", "en", 1, "Hello, you're through to {store_name}. What can we get for you?"),
    ("goodbye", "en", 1, "Cheers for calling {store_name}. See you soon!"),
    ("hours", "en", 1, "We're open {hours}."),
]

SETTINGS = {"voice": "Polly.Amy", "language": "en-GB", "operator_number": "+442079460399", "max_misses": 2}

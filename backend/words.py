"""Word lists and weighted tables the synthetic generator draws from.

Kept apart from the generator so its logic reads without a page of vocabulary. Weights are
rough shares of a typical HubSpot partner's SMB portfolio, not measured figures.
"""

from __future__ import annotations

COMPANY_PREFIXES = (
    "Blue", "North", "Summit", "Bright", "Silver", "Granite", "Maple", "Harbor", "Red", "Green",
    "Iron", "Clear", "Swift", "Lumen", "Cedar", "Atlas", "Nova", "Pioneer", "True", "Urban",
    "Golden", "Coastal", "Prairie", "Evergreen", "Copper", "Crystal", "Rapid", "Alpine", "Sun",
    "Oak", "Stone", "Willow", "Falcon", "Beacon", "Vertex", "Lighthouse", "River", "Meadow",
    "Orbit", "Keystone", "Horizon", "Pacific", "Liberty", "Highland", "Fox", "Polar", "Echo",
    "Zenith", "Aspen", "Bay", "Quarry", "Crown", "Ember", "Sterling", "Cobalt", "Juniper",
    "Tidal", "Signal", "Prism", "Canyon",
)  # fmt: skip

COMPANY_NOUNS = (
    "Ridge", "Pixel", "Harvest", "Path", "Forge", "Works", "Point", "Field", "Wave", "Leaf",
    "Bridge", "Peak", "Stream", "Loop", "Spark", "Grove", "Gate", "Line", "Nest", "Haven",
    "Rock", "Craft", "Lane", "Trail", "Shore", "Arc", "Mill", "Port", "Hill", "Yard",
    "Crest", "Light", "Root", "Tower", "Key", "Dock", "Wing", "Brook", "Frame", "Core",
    "Vale", "Cloud", "Anchor", "Compass", "Thread", "Bloom", "Slate", "Hive", "Pine", "Glen",
    "Cove", "Flint", "Quest", "Mark", "Sail", "Well", "Cliff", "Range", "Dune", "Isle",
)  # fmt: skip

COMPANY_SUFFIXES = (
    "Labs", "Dental", "Logistics", "Group", "Studio", "Software", "Consulting", "Health",
    "Partners", "Analytics", "Realty", "Fitness", "Legal", "Solar", "Foods", "Apparel",
    "Robotics", "Media", "Insurance", "Clinic", "Systems", "Outdoors", "Academy", "Capital",
    "Energy", "Interiors", "Travel", "Pet Care", "Coffee", "Manufacturing", "Security",
    "Builders", "Wellness", "Marketing", "Events",
)  # fmt: skip

DOMAIN_ENDINGS = ((".com", 70), (".io", 8), (".co", 7), (".net", 5), (".co.uk", 5), (".de", 5))

INDUSTRIES = (
    ("Computer Software", 18), ("Marketing and Advertising", 10),
    ("Health, Wellness and Fitness", 8),
    ("Financial Services", 8), ("Real Estate", 7), ("Retail", 7), ("Education Management", 6),
    ("Construction", 5), ("Manufacturing", 6), ("Hospitality", 4), ("Legal Services", 4),
    ("Nonprofit Organization Management", 4), ("Logistics and Supply Chain", 4),
    ("Renewables and Environment", 3), ("Medical Practice", 6),
)  # fmt: skip

COUNTRIES = (
    ("United States", 52), ("United Kingdom", 10), ("Canada", 7), ("Germany", 6),
    ("Australia", 5), ("Netherlands", 3), ("France", 3), ("Ireland", 2), ("Spain", 2),
    ("Brazil", 3), ("Mexico", 2), ("India", 3), ("Singapore", 2),
)  # fmt: skip

RELATIONSHIPS = (("sourced", 30), ("assisted", 25), ("managed", 45))

# Weighted so Marketing and Sales Hub dominate, as in most partner portfolios.
PRODUCT_WEIGHTS = (
    ("Marketing Hub", 30), ("Sales Hub", 24), ("Service Hub", 18), ("Content Hub", 11),
    ("Operations Hub", 10), ("Commerce Hub", 7),
)  # fmt: skip

APPS = (
    "Gmail", "Outlook", "Zoom", "Slack", "Salesforce", "Shopify", "WordPress", "Stripe",
    "QuickBooks", "Zapier", "LinkedIn Sales Navigator", "Google Ads", "Facebook Ads",
    "Microsoft Teams", "Calendly", "DocuSign", "Aircall", "Intercom", "Xero", "Asana",
)  # fmt: skip

ENGAGEMENT_CATEGORIES = ("Marketing", "Sales", "Service", "Reporting", "Automation")

SETUP_ISSUES = ("configuration error", "permission gap", "broken workflow")

FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
    "Maria", "James", "Priya", "Chen", "Fatima", "Lucas", "Emma", "Noah", "Olivia", "Liam",
    "Sofia", "Mateo", "Aisha", "Kenji", "Elena", "David", "Hannah", "Omar", "Grace", "Ivan",
)  # fmt: skip

LAST_NAMES = (
    "Smith", "Garcia", "Nguyen", "Patel", "Kim", "Müller", "Johnson", "Brown", "Rossi", "Silva",
    "Cohen", "Okafor", "Larsen", "Dubois", "Tanaka", "Walsh", "Novak", "Costa", "Singh", "Reyes",
    "Fischer", "Murphy", "Haddad", "Jensen", "Moreau", "Kowalski", "Ibrahim", "Berg", "Lopez",
)  # fmt: skip

PARTNER_FIRST_WORDS = ("Brightpath", "Northwind", "Growthlane", "Inbound Foundry", "Kinetic",
                       "Clearwave", "Funnelcraft", "Momentum", "Blueprint", "Flywheel")  # fmt: skip
PARTNER_LAST_WORDS = ("Digital", "Growth Partners", "Agency", "Marketing", "Consulting",
                      "RevOps", "Collective", "Studio")  # fmt: skip

TEAM_ROLES = (
    (
        "Partner Development Manager",
        "Your main HubSpot contact: plans your growth, tier progress and co-selling.",
    ),
    (
        "Channel Account Manager",
        "Formerly your main contact; helps with deal registration and client escalations.",
    ),
    (
        "Channel Consultant",
        "Formerly your onboarding guide; advises on services, certifications and delivery.",
    ),
)

NOTE_TEMPLATES = (
    "Kick-off call went well; they want lead scoring next quarter.",
    "Champion left the company, new contact is in finance.",
    "Asked about Sales Hub seats for the new SDR team.",
    "Workflow for lead routing broke after their CRM import.",
    "Budget review in Q3; expect pushback on Enterprise.",
    "Happy with reporting dashboards, wants a training session.",
)

# HubSpot tools a client can use: a few on every account, the rest come with a hub.
COMMON_TOOLS = ("Contacts", "Companies", "Lists", "Reports", "Dashboards", "Inbox", "Tasks")
HUB_TOOLS = {
    "Marketing Hub": ("Email marketing", "Forms", "Landing pages", "Ads", "Social"),
    "Sales Hub": ("Deal pipeline", "Sequences", "Meetings", "Quotes"),
    "Service Hub": ("Tickets", "Help desk", "Knowledge base", "Customer portal"),
    "Content Hub": ("Website pages", "Blog", "SEO"),
    "Operations Hub": ("Workflows", "Data sync", "Data quality"),
    "Commerce Hub": ("Payments", "Invoices", "Payment links"),
}

# Onboarding milestones per hub, in order: setting up, then the first value. The console's
# defaults (local_store.activation) expect these names.
ONBOARDING_MILESTONES = {
    "Marketing Hub": ("contacts imported", "first landing page published"),
    "Sales Hub": ("deal pipeline set up", "first deal closed"),
    "Service Hub": ("ticket pipeline set up", "first ticket closed"),
    "Content Hub": ("website theme set up", "first page published"),
    "Operations Hub": ("first data sync connected", "first workflow live"),
    "Commerce Hub": ("payment processing set up", "first payment collected"),
}

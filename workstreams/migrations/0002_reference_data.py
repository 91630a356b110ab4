"""Portfolios and the role-specific cycle checklists, as the commissioning strategy sets
them out. Both are tables an administrator edits from here on."""

from django.db import migrations

PORTFOLIOS = [
    "Victim services",
    "Serious violence and the VRU",
    "Prevention",
    "Criminal justice",
    "Health and mental health",
    "Drugs and alcohol",
    "Exploitation",
    "Fraud",
]

# (role, stage, title, guidance, required)
CHECKLISTS = [
    # Facilitating commissioner: coordinates bids or activity under someone else's rules.
    ("facilitating", "understand",
     "Gather the information that informs allocations, as government (or the OPCC, for the "
     "Police and Crime Grant) requires",
     "For example prevalence, demand for services, insights from providers and academic "
     "research.", True),
    ("facilitating", "understand",
     "Confirm the timetable set by government or local decision making",
     "Often a short, time-limited process: government deadlines or CSP meeting dates.", True),
    ("facilitating", "understand",
     "Gather what is needed with delivery partners from existing sources",
     "Existing insight may inform the plan where timescales are short, or feed a full "
     "needs assessment.", False),
    ("facilitating", "plan",
     "Give the OPCC's steer on priorities for the outcome",
     "For the Police and Crime Grant, set the requirements.", True),
    ("facilitating", "plan",
     "Strengthen the chances of success with local insight and priorities", "", False),
    ("facilitating", "do",
     "Put grant agreements in place",
     "Not always with the front-line provider: VRU and Police and Crime Grants are with the "
     "local authorities.", True),
    ("facilitating", "review",
     "Meet the government's monitoring requirements, in its format and timescales", "", True),
    ("facilitating", "review",
     "Monitor grants by risk: meet only where issues arise or it is mandated",
     "Because of the volume, no formal grant monitoring meetings are scheduled otherwise.",
     True),
    # Lead commissioner: a clear mandate to run the whole process.
    ("lead", "understand", "Publish a needs assessment",
     "To OPCC requirements and timescales, including a review of previous service data and "
     "of best practice.", True),
    ("lead", "understand", "Map and engage stakeholders, including the market",
     "Early market engagement wherever possible: the Light Touch Regime expects it.", True),
    ("lead", "plan", "Consult stakeholders on intentions and seek service-user input", "",
     True),
    ("lead", "plan", "Complete an Equality Impact Assessment", "", True),
    ("lead", "plan", "Publish the commissioning plan",
     "For example the Victim Services Commissioning Plan and Intentions.", True),
    ("lead", "do",
     "Run the procurement with South West Police Procurement, including moderation",
     "Supplier suitability and tender evaluation are recorded with the procurement.", True),
    ("lead", "do", "Award the contract", "", True),
    ("lead", "do", "Mobilise the service", "", True),
    ("lead", "do", "Go live", "", True),
    ("lead", "review", "Hold contract meetings",
     "Generally six-monthly; more often in the first year of delivery or when a service "
     "risk has been identified.", True),
    ("lead", "review", "Monitor outputs, KPIs and outcomes", "", True),
    ("lead", "review",
     "Meet the government's reporting format where the funding requires it",
     "Add only proportionate requirements of our own; visits may complement reports.",
     False),
    # Co-commissioner: another body leads; the OPCC is involved throughout.
    ("co_commissioner", "understand",
     "Contribute to the lead commissioner's needs assessment", "", True),
    ("co_commissioner", "plan",
     "Contribute to engagement and the shaping of intentions",
     "Usually with service-user involvement, led by the lead commissioner.", True),
    ("co_commissioner", "do", "Take part in the commissioning board", "", True),
    ("co_commissioner", "do", "Take part in the evaluation of bids", "", False),
    ("co_commissioner", "do", "Support mobilisation", "", False),
    ("co_commissioner", "review",
     "Take part in contract management as the lead commissioner sets it", "", True),
    # Influencing commissioner: no money necessarily; influence over outcomes.
    ("influencing", "understand",
     "Record the issues brought to the OPCC's attention", "", True),
    ("influencing", "plan",
     "Decide on involvement in boards, partnerships or meetings with stakeholders",
     "Against the test of the decision-making framework.", True),
    ("influencing", "do", "Escalate issues to the (D)PCC or government where needed", "",
     False),
    ("influencing", "do", "Take part in the boards and partnerships agreed", "", True),
    ("influencing", "review", "Reflect on the OPCC's impact in the annual report", "", True),
]


def load(apps, schema_editor):
    Portfolio = apps.get_model("workstreams", "Portfolio")
    Template = apps.get_model("workstreams", "ChecklistTemplateItem")
    for order, name in enumerate(PORTFOLIOS, start=1):
        Portfolio.objects.get_or_create(name=name, defaults={"order": order * 10})
    orders: dict = {}
    for role, stage, title, guidance, required in CHECKLISTS:
        orders[(role, stage)] = orders.get((role, stage), 0) + 10
        Template.objects.get_or_create(
            role=role,
            stage=stage,
            title=title,
            defaults={"guidance": guidance, "required": required,
                      "order": orders[(role, stage)]},
        )


def unload(apps, schema_editor):
    apps.get_model("workstreams", "ChecklistTemplateItem").objects.all().delete()
    apps.get_model("workstreams", "Portfolio").objects.filter(name__in=PORTFOLIOS).delete()


class Migration(migrations.Migration):
    dependencies = [("workstreams", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

"""Version 1 of the decision framework's six questions, worded as in the strategy."""

import datetime

from django.db import migrations

QUESTIONS = [
    (1, "Rationale", "Does it help deliver the Police and Crime Plan?",
     "Which priorities of the plan it serves, and the outcomes it should achieve."),
    (2, "Budget",
     "Do we have budget readily available to commit to this now and in the future? "
     "Can we lobby others for funding?",
     "The funding streams' headroom is shown beside this question."),
    (3, "Expertise",
     "Do we hold expertise to contribute to this process to improve its impact? Is it "
     "within our remit or someone else's?", ""),
    (4, "Capacity",
     "Does the team have capacity to participate meaningfully in this work, considering "
     "our forward plan and other duties?",
     "The lead officer's current workstreams and the next 12 months of the forward plan "
     "are shown beside this question."),
    (5, "Risk",
     "What risk is the office taking on by becoming involved, and what is the risk of "
     "doing nothing?", ""),
    (6, "Impact",
     "What is the likely relative impact compared with the involvement required?", ""),
]


def load(apps, schema_editor):
    QuestionSet = apps.get_model("decisions", "QuestionSet")
    Question = apps.get_model("decisions", "Question")
    question_set, _ = QuestionSet.objects.get_or_create(
        version=1,
        defaults={
            "introduced_on": datetime.date(2024, 4, 1),
            "is_current": True,
            "note": "As published in the OPCC commissioning strategy.",
        },
    )
    for number, heading, text, guidance in QUESTIONS:
        Question.objects.get_or_create(
            question_set=question_set,
            number=number,
            defaults={"heading": heading, "text": text, "guidance": guidance},
        )


def unload(apps, schema_editor):
    apps.get_model("decisions", "Question").objects.filter(question_set__version=1).delete()
    apps.get_model("decisions", "QuestionSet").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("decisions", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

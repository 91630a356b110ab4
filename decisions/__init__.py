"""Decision assessments: the six-question framework and manager approval (issue 4)."""

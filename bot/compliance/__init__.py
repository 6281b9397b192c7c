"""The compliance gate on briefs: regulated claims add approval stages, and the thread says why."""

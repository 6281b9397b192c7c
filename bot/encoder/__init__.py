"""The local sentence encoder (all-MiniLM-L6-v2 from its offline package), one loaded copy per process.

Low in the layers so intake, compliance and the pipeline share one model in memory instead of
loading it once each.
"""

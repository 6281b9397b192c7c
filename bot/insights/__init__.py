"""Where to automate next (the scorecard) and the goals the team holds itself to."""

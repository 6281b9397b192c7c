"""Flow figures from the audit trail: moves, metrics, charts."""

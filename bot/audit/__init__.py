"""The append-only audit trail: one function every domain writes through, and its export."""

"""The durable work queue: rows committed before the ack, run by a worker after it."""

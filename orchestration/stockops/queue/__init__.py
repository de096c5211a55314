"""Owner queues: where decisions are delivered and where owners' answers come from."""

"""From approved brief to launch: the tasks an approval creates (owners, due dates, SLAs,
dependencies), their messages in the brief's thread, and launches that wait until nothing blocks
them. Not to be confused with `bot.tasks`, the bot's own durable work queue."""

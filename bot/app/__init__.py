"""The running bot: settings, the runtime that wires the domains, the Bolt app and its servers."""

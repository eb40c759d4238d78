"""The sandbox: a local emulator of the Alloy Connectivity API with a seeded Notion workspace."""

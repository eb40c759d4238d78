"""The Textual application: app shell, screens, modals and widgets (imports nothing eagerly)."""

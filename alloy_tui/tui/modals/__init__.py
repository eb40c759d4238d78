"""Modal dialogs: confirm, prompt, help, errors, the OAuth connect flow."""

"""Clients' reviews of completed sessions, published after moderation."""

"""Secure messages between a client and a consultant (issue 24): conversations,
messages with attachments and read receipts, the batched "you have a new message"
email, and the live events the WebSockets carry."""

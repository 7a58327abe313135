"""The SFTP front door: brokers log in with a public key and see only their own `inbox/` and `outbox/`."""

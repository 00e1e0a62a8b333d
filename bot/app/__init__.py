"""The GitHub App: web front door, webhooks, the job queue and worker, review, commands, publishing."""

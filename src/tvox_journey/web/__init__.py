"""The web edge, one room per channel (webhooks, api, pages) beside security, guard and tasks;
`app.create_app` puts them together. The map is in docs/architecture.md."""

"""HubSpot's CRM API as a source: partner clients and partner services into the same cache.

Entry point: `sync.hubspot.run.run_hubspot_sync` (called by `sync.engine.run_sync` when the
profile's source is `hubspot`). `sync.hubspot.capabilities` says what this source cannot
provide, for the screens; it imports nothing heavy. `sync.hubspot.fetch` lists and maps records
without a cache, for the team server's HubSpot upstream (`backend.team.hubspot`).
"""

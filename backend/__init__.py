"""The reference backend: a synthetic portfolio served over the documented HTTP API.

Entry points: `generator.generate`, `store.Store` (`generate`, `from_partner_data`,
`credentials`, `faults`), `datafile.load_store`, `server.start_in_thread` and `server.serve`.
The contract is in docs/backend-api.md; only `sync.wire` is shared with the console.
"""

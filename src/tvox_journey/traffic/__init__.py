"""Traffic: TVox requests played at a server over HTTP, and what the server should have stored.

The library behind `simulate`, `demo`, the benchmarks and the tests:
`wire` (a scenario request as the HTTP request to send), `clients` (httpx and
a raw HTTP/1.1 client), `player` (paced, concurrent sending, timed),
`tutorial` (the tutorial's calls in compressed real time), `expected` (the
journeys the requests should fold to), `verify` (the database compared with
them) and `entries` (requests recorded directly, without HTTP).

May import `domain`, `ingest`, `sim`, `store` and `services`; never `web` or `cli`.
"""

// Load generator (runs on Node): autocannon against one URL, one JSON line of results.
// Each request body gets a unique id ([<id>]), so a dedup window never collapses the load.
const autocannon = require('autocannon')
const { url, body, seconds, connections, amount } = JSON.parse(process.argv[2])
autocannon(
  {
    url,
    method: 'POST',
    body,
    idReplacement: true,
    connections,
    ...(amount ? { amount } : { duration: seconds }),
    headers: { 'content-type': 'application/json' },
  },
  (error, result) => {
    if (error) {
      console.error(error)
      process.exit(1)
    }
    console.log(
      JSON.stringify({
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors + result.timeouts,
      }),
    )
  },
)

// Baseline: a minimal hand-written Fastify receiver on Node. Checks SdkAppid, answers the
// standard response, stores nothing. Prints {"port":N} once listening.
const fastify = require('fastify')({ logger: false, bodyLimit: 1048576 })
const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
const FAIL = '{"ActionStatus":"FAIL","ErrorInfo":"SdkAppid is not served here","ErrorCode":40302}'
const appId = process.env.SDK_APP_ID || '1400000000'
fastify.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body))
fastify.post('/callback', async (request, reply) => {
  reply.type('application/json')
  if (request.query.SdkAppid !== appId) return reply.code(403).send(FAIL)
  return reply.send(OK)
})
fastify.get('/readyz', async () => ({ status: 'ready' }))
fastify.listen({ port: Number(process.env.PORT || 0), host: '127.0.0.1' }).then(() => {
  console.log(JSON.stringify({ port: fastify.server.address().port }))
})

// Baseline: a minimal hand-written Express receiver on Node. Checks SdkAppid, answers the
// standard response, stores nothing. Prints {"port":N} once listening.
const express = require('express')
const OK = '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}'
const FAIL = '{"ActionStatus":"FAIL","ErrorInfo":"SdkAppid is not served here","ErrorCode":40302}'
const appId = process.env.SDK_APP_ID || '1400000000'
const app = express()
app.use(express.text({ type: '*/*', limit: '1mb' }))
app.post('/callback', (req, res) => {
  res.type('application/json')
  if (req.query.SdkAppid !== appId) return res.status(403).send(FAIL)
  res.send(OK)
})
app.get('/readyz', (_req, res) => res.json({ status: 'ready' }))
const server = app.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }))
})

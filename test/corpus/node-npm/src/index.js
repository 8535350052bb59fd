const { greeting } = require('./lib/greeting')

const port = Number(process.env.PORT ?? 8080)
console.log(`${greeting('corpus')} on port ${port}`)

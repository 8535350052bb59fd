exports.render = ({ todos }) => `<ul>${todos.map(t => `<li>${t.text}</li>`).join('')}</ul>`

module example.com/docker-gs-ping

go 1.22

require (
	github.com/labstack/echo/v4 v4.11.4
	github.com/labstack/gommon v0.4.2
)

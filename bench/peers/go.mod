module github.com/mbxkit/mbx/bench/peers

go 1.26.0

require (
	github.com/adshao/go-binance/v2 v2.8.7
	github.com/mbxkit/mbx v0.0.0
)

require (
	github.com/bitly/go-simplejson v0.5.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/jpillora/backoff v1.0.0 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/shopspring/decimal v1.6.0 // indirect
	github.com/youmark/pkcs8 v0.0.0-20240726163527-a2c0da244d78 // indirect
	golang.org/x/crypto v0.58.0 // indirect
)

replace github.com/mbxkit/mbx => ../..

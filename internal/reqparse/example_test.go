package reqparse_test

import (
	"fmt"

	"github.com/mbxkit/mbx/internal/reqparse"
)

func ExampleParse() {
	r, err := reqparse.Parse(`curl -H 'X-MBX-APIKEY: KEY' -X POST 'https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY' --data-urlencode 'note=a b' -d 'timestamp=1499827319559&signature=ab'`)
	if err != nil {
		fmt.Println(err)
		return
	}
	key, _ := r.APIKey()
	fmt.Println(r.Format, r.Method, r.BaseURL(), r.Path)
	fmt.Println("query:", r.RawQuery)
	fmt.Println("body: ", string(r.Body))
	fmt.Println("key:  ", key)
	// Output:
	// curl POST https://api.binance.com /api/v3/order
	// query: symbol=LTCBTC&side=BUY
	// body:  note=a%20b&timestamp=1499827319559&signature=ab
	// key:   KEY
}

func ExampleParseRawHTTP() {
	r, err := reqparse.ParseRawHTTP("GET /api/v3/account?timestamp=1499827319559&signature=ab HTTP/1.1\r\nHost: api.binance.com\r\nX-MBX-APIKEY: KEY\r\n\r\n")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Method, r.URL())
	// Output: GET https://api.binance.com/api/v3/account?timestamp=1499827319559&signature=ab
}

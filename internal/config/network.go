package config

import (
	"net"
)

// nonPublic are the ranges no host on the internet can connect from: private
// (RFC 1918, RFC 4193), shared (RFC 6598, carrier-grade NAT and some cloud
// networks), loopback and link-local. A load balancer or ingress in front of
// the API reaches it from one of them.
var nonPublic = func() []*net.IPNet {
	var out []*net.IPNet
	for _, s := range []string{
		"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"fc00::/7", "::1/128", "fe80::/10",
	} {
		_, n, err := net.ParseCIDR(s)
		if err != nil {
			panic(err)
		}
		out = append(out, n)
	}
	return out
}()

// isNonPublic reports whether all of n lies in one non-public range. A
// trusted proxy range that reaches beyond would let any client on the
// internet forge its address in X-Forwarded-For.
func isNonPublic(n *net.IPNet) bool {
	first := n.IP.Mask(n.Mask)
	last := make(net.IP, len(first))
	for i := range first {
		last[i] = first[i] | ^n.Mask[i]
	}
	for _, r := range nonPublic {
		if r.Contains(first) && r.Contains(last) {
			return true
		}
	}
	return false
}

// baseURLOf is the development public base URL of an API listening on addr:
// a wildcard host becomes 127.0.0.1, where a browser on the same machine
// reaches it. Empty when addr is not host:port (Validate says so).
func baseURLOf(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

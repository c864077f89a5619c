package http

// RouteTable returns the server's routes as "METHOD /path" strings, for the OpenAPI coverage test.
func RouteTable(s *Server) []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.method+" "+rt.path)
	}
	return out
}

// Guichet's GraphiQL page: the IDE over this endpoint, with a field for the access token.
// Served with the vendored builds (SOURCES.md); the page loads nothing from outside.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var tokenField = document.getElementById("guichet-token");
  var base = GraphiQL.createFetcher({ url: root.getAttribute("data-endpoint") });
  function fetcher(params, options) {
    var headers = Object.assign({}, (options && options.headers) || {});
    var token = tokenField.value.trim().replace(/^Bearer\s+/i, "");
    var named = Object.keys(headers).some(function (k) {
      return k.toLowerCase() === "authorization";
    });
    if (token && !named) {
      headers.Authorization = "Bearer " + token;
    }
    return base(params, Object.assign({}, options, { headers: headers }));
  }
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: root.getAttribute("data-default-query"),
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true
    })
  );
})();

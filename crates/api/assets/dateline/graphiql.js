// Starts GraphiQL against the endpoint the page names. A file of its own, not an inline script,
// so the page's Content-Security-Policy can refuse every inline script.
"use strict";
(function () {
  var root = document.getElementById("graphiql");
  var fetcher = GraphiQL.createFetcher({ url: root.dataset.endpoint });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
    }),
  );
})();

// Starts Swagger UI on the API description the page names. A file of its own, not an inline
// script, so the page's Content-Security-Policy can refuse every inline script.
"use strict";
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.url,
    domNode: root,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // By default Swagger UI asks validator.swagger.io for a badge: a request off the server.
    validatorUrl: null,
  });
})();

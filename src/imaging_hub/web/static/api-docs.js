// Starts Swagger UI on /docs. A file rather than an inline script, so the page's CSP can forbid inline code.
window.addEventListener("DOMContentLoaded", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // never send the description to swagger.io
  });
});

// Renders each chart from the Vega-Lite spec embedded beside it. vega.js, the site's own
// copy of Vega, defines vegaEmbed: nothing is fetched from elsewhere.
"use strict";
document.querySelectorAll(".chart[data-spec]").forEach(function (element) {
  var spec = JSON.parse(document.getElementById(element.dataset.spec).textContent);
  vegaEmbed(element, spec, { renderer: "svg", actions: false }).catch(function (error) {
    element.textContent = "This chart could not be drawn; the table below has its numbers.";
    console.error(error);
  });
});

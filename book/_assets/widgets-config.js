// Loaded between require.js and the widget manager (see nb_ipywidgets_js in _config.yml).
// The manager finds its fonts relative to the AMD module "@jupyter-widgets/html-manager/dist",
// which require.js would otherwise resolve against the page's own folder. Point it at the
// site's copy under _static/, whatever the depth of the page.
(function () {
  var src = document.currentScript.src;
  var staticDir = src.substring(0, src.lastIndexOf("/") + 1);
  window.require.config({
    paths: { "@jupyter-widgets/html-manager/dist": staticDir + "widgets/html-manager" },
  });
})();

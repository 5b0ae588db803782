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

// The widget manager (html-manager 1.0.6) typesets labels with the MathJax 2 call
// MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); the site loads MathJax 3, which has no
// Hub, so every widget with a description would throw. Give MathJax 3 a tiny Hub that forwards
// to its own typesetPromise, attached the first time the loaded MathJax object is read.
(function () {
  var value = window.MathJax;
  function withHub(mj) {
    if (mj && mj.version && !mj.Hub) {
      mj.Hub = {
        Queue: function (job) {
          var element = job && job[2];
          if (mj.typesetPromise) {
            mj.typesetPromise(element ? [element] : undefined).catch(function () {});
          }
        },
      };
    }
    return mj;
  }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return withHub(value); },
    set: function (v) { value = v; },
  });
})();

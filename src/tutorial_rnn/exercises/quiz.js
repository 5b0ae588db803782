// The book's quizzes: multiple-choice and numeric questions with feedback
// on every answer, drawn in the page by this script alone (no library, no
// request). Each quiz is a <div class="rnn-quiz" data-quiz="JSON"> placed
// just before this script; the script draws every such div not yet drawn.
(function () {
  "use strict";
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function say(box, right, text) {
    box.textContent = (right ? "✓ Right. " : "✗ Not quite. ") + (text || "");
    box.className = "rnn-quiz-feedback " + (right ? "rnn-quiz-right"
                                                  : "rnn-quiz-wrong");
  }
  function choice(q, body, box) {
    var list = el("div", "rnn-quiz-choices");
    q.answers.forEach(function (a) {
      var b = el("button", "rnn-quiz-choice", a.answer);
      b.type = "button";
      b.addEventListener("click", function () {
        Array.prototype.forEach.call(list.children, function (c) {
          c.classList.remove("rnn-quiz-picked");
        });
        b.classList.add("rnn-quiz-picked");
        say(box, !!a.correct, a.feedback);
      });
      list.appendChild(b);
    });
    body.appendChild(list);
  }
  function numeric(q, body, box) {
    var row = el("div", "rnn-quiz-numeric");
    var input = el("input", "rnn-quiz-input");
    input.type = "text";
    input.setAttribute("inputmode", "decimal");
    input.setAttribute("aria-label", "your answer");
    var go = el("button", "rnn-quiz-check", "Check");
    go.type = "button";
    function judge() {
      var text = input.value.replace(/[\s,_]/g, "");
      var v = parseFloat(text);
      if (text === "" || isNaN(v)) {
        say(box, false, "Type a number, such as 12 or 0.5.");
        return;
      }
      var fallback = null;
      for (var i = 0; i < q.answers.length; i++) {
        var a = q.answers[i];
        var hit = (a.type === "value" && Math.abs(v - a.value) <=
                   (q.precision || 0) * Math.max(1, Math.abs(a.value))) ||
                  (a.type === "range" && v >= a.range[0] && v <= a.range[1]);
        if (hit) { say(box, !!a.correct, a.feedback); return; }
        if (a.type === "default") { fallback = a; }
      }
      say(box, false, fallback ? fallback.feedback : "");
    }
    go.addEventListener("click", judge);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { judge(); }
    });
    row.appendChild(input);
    row.appendChild(go);
    body.appendChild(row);
  }
  function draw(root) {
    var quiz = JSON.parse(root.getAttribute("data-quiz"));
    root.textContent = "";
    if (quiz.title) { root.appendChild(el("p", "rnn-quiz-title", quiz.title)); }
    quiz.questions.forEach(function (q, n) {
      var item = el("div", "rnn-quiz-question");
      item.appendChild(el("p", "rnn-quiz-text", (n + 1) + ". " + q.question));
      var box = el("div", "rnn-quiz-feedback");
      box.setAttribute("aria-live", "polite");
      if (q.type === "numeric") { numeric(q, item, box); }
      else { choice(q, item, box); }
      item.appendChild(box);
      root.appendChild(item);
    });
    root.setAttribute("data-drawn", "1");
  }
  var roots = document.querySelectorAll(".rnn-quiz:not([data-drawn])");
  Array.prototype.forEach.call(roots, draw);
})();

// Live DASH score beside the checklist: counts the "yes" answers as they are chosen and
// says when the MARAC threshold is met. Progressive enhancement only: the server counts
// again on "check your answers", and the page works the same without this script.
(function () {
  'use strict'
  var box = document.querySelector('[data-dash-score]')
  if (!box) return
  var form = box.closest('form')
  var value = box.querySelector('[data-dash-score-value]')
  var verdict = box.querySelector('[data-dash-score-verdict]')
  var threshold = parseInt(box.getAttribute('data-threshold'), 10)

  function update () {
    var score = form.querySelectorAll('input[type="radio"][name^="dash_q"][value="yes"]:checked').length
    var met = score >= threshold
    value.textContent = String(score)
    verdict.textContent = met ? 'This meets the MARAC threshold.' : 'Below the MARAC threshold.'
    box.classList.toggle('app-dash-score--threshold', met)
  }

  form.addEventListener('change', function (event) {
    if (event.target.name && event.target.name.indexOf('dash_q') === 0) update()
  })
  update()
})()

"""Every GLSL snippet Flythrough adds to VTK's shaders, in one place (VTK adapter).

Each is a replacement for one of VTK's ``//VTK::…`` tags, which it keeps so
that VTK's own code still follows. Custom uniforms are declared by VTK itself
(``GetFragmentCustomUniforms`` and the like): redeclaring them fails to compile.
"""

from __future__ import annotations

from explorer.core.thinning import FADE

LIGHT_TAG = "//VTK::Light::Impl\n"  # where the points' fragment code goes (kept, so that VTK's follows)

# Points, fragment shader: a round disc with a soft rim, cut from the square GL draws. The rim fades
# toward the background over about a pixel and a half, so that small points stay whole and big
# ones have no hard edge. Before the fog, which then treats the rim as it treats the point.
ROUND_POINTS = """//VTK::Light::Impl
  vec2 disc = 2.0 * gl_PointCoord - 1.0;
  float discR = length(disc);
  if (discR > 1.0) { discard; }
  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, smoothstep(clamp(1.0 - 3.0 / pointPx, 0.0, 0.9), 1.0, discR));
"""
# ... with the point's size in pixels from the vertex shader.
ROUND_POINTS_VERTEX_DEC = """//VTK::Normal::Dec
out float pointPx;
"""
ROUND_POINTS_FRAGMENT_DEC = """//VTK::Normal::Dec
in float pointPx;
"""

# Points, fragment shader: linear eye depth from the depth buffer, then fog toward the background colour.
FOG = """
  float ndcZ = 2.0 * gl_FragCoord.z - 1.0;
  // 2nf / (f + n - z(f - n)), divided through by f: n*f underflows a float at 1e-20 and overflows near 1e20.
  float fogRatio = fogNear / fogFar;
  float eyeZ = 2.0 * fogNear / (1.0 + fogRatio - ndcZ * (1.0 - fogRatio));
  float fog = clamp((eyeZ - fogStart) / (fogEnd - fogStart), 0.0, 1.0);
  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, fog);
"""

# Points, vertex shader: perspective point size, so nearer points are bigger, as in the original demo.
POINT_SIZE = """//VTK::PositionVC::Impl
  gl_PointSize = gl_Position.w > 0.0 ? clamp(pointScale / gl_Position.w, pointMin, pointMax) : pointMax;
  pointPx = gl_PointSize;
"""

# The point budget (explorer.core.thinning), vertex shader, after gl_Position and the point size:
# a culled point goes outside the clip volume, so the rasteriser never sets it up.
THINNING_VERTEX_DEC = """
in float lodRank;
out float lodFade;
"""
THINNING_VERTEX_IMPL = """
  float lodDepth = gl_Position.w * lodInvFull;  // depth in full-detail depths: no square of a large number
  float lodKeep = 1.0 - lodRank * lodDepth * lodDepth;
  lodFade = clamp(lodKeep / FADE, 0.0, 1.0);
  if (lodKeep <= 0.0) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); }
""".replace("FADE", repr(FADE))
# ... and in the fragment shader, points near the cut fade in toward the fog colour, so nothing pops.
THINNING_FRAGMENT_DEC = """
in float lodFade;
"""
THINNING_FRAGMENT_IMPL = """  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, 1.0 - lodFade);
"""

# Labels, fragment shader: alpha-tested glyphs, drawn opaque, so no depth sorting is needed.
ALPHA_TEST = """//VTK::TCoord::Impl
  if (gl_FragData[0].a < 0.4) { discard; }
"""

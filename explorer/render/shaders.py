"""Every GLSL snippet Flythrough adds to VTK's shaders, in one place (VTK adapter).

Each is a replacement for one of VTK's ``//VTK::…`` tags, which it keeps so
that VTK's own code still follows. Custom uniforms are declared by VTK itself
(``GetFragmentCustomUniforms`` and the like): redeclaring them fails to compile.
"""

from __future__ import annotations

from explorer.core.thinning import FADE

# Points, fragment shader: linear eye depth from the depth buffer, then fog toward the background colour.
FOG = """//VTK::Light::Impl
  float ndcZ = 2.0 * gl_FragCoord.z - 1.0;
  float eyeZ = 2.0 * fogNear * fogFar / (fogFar + fogNear - ndcZ * (fogFar - fogNear));
  float fog = clamp((eyeZ - fogStart) / (fogEnd - fogStart), 0.0, 1.0);
  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, fog);
"""

# Points, vertex shader: perspective point size, so nearer points are bigger, as in the original demo.
POINT_SIZE = """//VTK::PositionVC::Impl
  gl_PointSize = clamp(pointScale / max(gl_Position.w, 1e-6), pointMin, pointMax);
"""

# The point budget (explorer.core.thinning), vertex shader, after gl_Position and the point size:
# a culled point goes outside the clip volume, so the rasteriser never sets it up.
THINNING_VERTEX_DEC = """//VTK::Normal::Dec
in float lodRank;
out float lodFade;
"""
THINNING_VERTEX_IMPL = """
  float lodKeep = lodFull2 - lodRank * gl_Position.w * gl_Position.w;
  lodFade = clamp(lodKeep / (FADE * lodFull2), 0.0, 1.0);
  if (lodKeep <= 0.0) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); }
""".replace("FADE", repr(FADE))
# ... and in the fragment shader, points near the cut fade in toward the fog colour, so nothing pops.
THINNING_FRAGMENT_DEC = """//VTK::Normal::Dec
in float lodFade;
"""
THINNING_FRAGMENT_IMPL = """  gl_FragData[0].rgb = mix(gl_FragData[0].rgb, fogColor, 1.0 - lodFade);
"""

# Labels, fragment shader: alpha-tested glyphs, drawn opaque, so no depth sorting is needed.
ALPHA_TEST = """//VTK::TCoord::Impl
  if (gl_FragData[0].a < 0.4) { discard; }
"""
